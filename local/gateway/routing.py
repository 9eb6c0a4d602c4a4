"""API Gateway's choice of a route: the most specific path, an exact method before ANY, $default last."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from local.functions import Invocable
from local.template.specs import Route


@dataclass(frozen=True)
class PathPattern:
    """`/farmers/{farmer_id}` split into segments; `{proxy+}` is greedy and must come last."""

    path: str
    segments: tuple[str, ...]

    @classmethod
    def parse(cls, path: str) -> PathPattern:
        segments = tuple(path.strip("/").split("/")) if path.strip("/") else ()
        for i, seg in enumerate(segments):
            if seg.endswith("+}") and i != len(segments) - 1:
                raise ValueError(f"greedy variable must be the last segment: {path}")
        return cls(path, segments)

    def match(self, segments: tuple[str, ...]) -> dict[str, str] | None:
        params: dict[str, str] = {}
        for i, pattern in enumerate(self.segments):
            if pattern.startswith("{") and pattern.endswith("+}"):
                rest = segments[i:]
                if not rest or rest == ("",):
                    return None
                params[pattern[1:-2]] = "/".join(rest)
                return params
            if i >= len(segments):
                return None
            if pattern.startswith("{") and pattern.endswith("}"):
                if segments[i] == "":
                    return None
                params[pattern[1:-1]] = segments[i]
            elif pattern != segments[i]:
                return None
        return params if len(segments) == len(self.segments) else None

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Smaller is more specific: greedy variables, then variables, then fewer literals."""
        greedy = sum(1 for s in self.segments if s.endswith("+}"))
        variables = sum(1 for s in self.segments if s.startswith("{")) - greedy
        return (greedy, variables, -len(self.segments))


@dataclass
class BoundRoute:
    route: Route
    function: Invocable
    pattern: PathPattern = field(init=False)

    def __post_init__(self) -> None:
        self.pattern = PathPattern.parse(self.route.path if self.route.path != "$default" else "/")


def split_path(raw_path: str) -> tuple[str, ...]:
    """Segments of a raw (still percent-encoded) path, each decoded: %2F stays inside its segment."""
    stripped = raw_path.strip("/")
    return tuple(unquote(s) for s in stripped.split("/")) if stripped else ()


def match_route(
    routes: Iterable[BoundRoute], method: str, raw_path: str
) -> tuple[BoundRoute, dict[str, str]] | None:
    """API Gateway's choice: the most specific path, an exact method before ANY, $default last."""
    segments = split_path(raw_path)
    candidates: list[tuple[tuple[int, int, int, int], BoundRoute, dict[str, str]]] = []
    default: BoundRoute | None = None
    for bound in routes:
        if bound.route.path == "$default":
            default = bound
            continue
        if bound.route.method not in (method, "ANY"):
            continue
        params = bound.pattern.match(segments)
        if params is not None:
            rank = (*bound.pattern.specificity, 1 if bound.route.method == "ANY" else 0)
            candidates.append((rank, bound, params))
    if candidates:
        _, bound, params = min(candidates, key=lambda c: c[0])
        return bound, params
    if default is not None:
        return default, {}
    return None
