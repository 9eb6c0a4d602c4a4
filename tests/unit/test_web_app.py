"""The field app's files (web/) without a browser: generated pieces current, the first load under
its budget, every referenced file in the offline shell, no inline script or style for the CSP to
refuse, no CDN. (The local server of the app: tests/local/test_webapp.py.)"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

from local.webapp import WEB_DIR, deployable_files

ROOT = Path(__file__).resolve().parents[2]


def _load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"scripts_{name}", ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


web_assets = _load_script("web_assets")


def test_generated_reference_data_and_shell_are_current() -> None:
    assert web_assets.stale() == [], "run make web"


def test_first_load_is_within_200_kb_gzip() -> None:
    sizes = web_assets.first_load_sizes()
    total = sum(packed for _, packed in sizes.values())
    assert total <= web_assets.FIRST_LOAD_BUDGET_BYTES, f"{total} bytes gzip"


def test_the_shell_lists_every_file_but_the_worker_and_the_config() -> None:
    text = (WEB_DIR / "sw.js").read_text(encoding="utf-8")
    shell = json.loads(re.search(r"^const SHELL = (.*);$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert shell[0] == "./"
    assert set(shell[1:]) == set(deployable_files()) - {"sw.js"}
    assert not any(
        name.startswith(("tests/", "node_modules/")) or name.endswith("package.json") for name in shell
    )


def _references() -> dict[str, set[str]]:
    """file -> the web/ files it refers to (imports, src/href, url(), manifest icons)."""
    found: dict[str, set[str]] = {}
    for name in deployable_files():
        path = WEB_DIR / name
        if path.suffix not in (".js", ".html", ".css", ".webmanifest"):
            continue
        text = path.read_text(encoding="utf-8")
        refs: set[str] = set()
        if path.suffix == ".js":
            refs |= set(re.findall(r"""(?:import|from)\s*\(?["'](\.{1,2}/[^"']+)["']""", text))
        if path.suffix == ".html":
            refs |= set(re.findall(r"""(?:src|href)="([^"#:]+)\"""", text))
        if path.suffix == ".css":
            refs |= set(re.findall(r"""url\("([^"]+)"\)""", text))
        if path.suffix == ".webmanifest":
            refs |= {icon["src"] for icon in json.loads(text)["icons"]}
        found[name] = {
            (path.parent / ref).resolve().relative_to(WEB_DIR.resolve()).as_posix() for ref in refs
        }
    return found


def test_every_referenced_file_exists_and_is_served() -> None:
    files = set(deployable_files())
    for name, refs in _references().items():
        assert refs <= files, f"{name} refers to missing {sorted(refs - files)}"
    every_module = {f for f in files if f.startswith("js/")}
    reached = {"js/main.js"}
    refs = _references()
    frontier = ["js/main.js"]
    while frontier:
        for ref in refs.get(frontier.pop(), set()):
            if ref not in reached:
                reached.add(ref)
                frontier.append(ref)
    assert every_module <= reached, f"modules nobody imports: {sorted(every_module - reached)}"


def test_no_inline_script_or_style_no_markup_from_strings_no_cdn() -> None:
    html = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script>"
    assert "<style" not in html and " style=" not in html
    for name in deployable_files():
        if not name.endswith((".js", ".html", ".css")):
            continue
        text = (WEB_DIR / name).read_text(encoding="utf-8")
        assert (
            "innerHTML" not in text and "insertAdjacentHTML" not in text and "document.write" not in text
        ), name
        assert ".style." not in text and 'setAttribute("style"' not in text, name
        # No library or font from another site at run time (wa.me is a link the user follows).
        for url in re.findall(r"https?://[^\s\"'`)]+", text):
            assert url.startswith(("https://wa.me/", "https://cognito-idp.")), f"{name}: {url}"


def test_the_app_speaks_indonesian() -> None:
    html = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    assert '<html lang="id">' in html
    manifest = json.loads((WEB_DIR / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["lang"] == "id"
    assert {"192x192", "512x512"} <= {
        icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"
    }
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


# ----------------------------------------------------------- native DOM insertion with null/arrays

NATIVE_INSERT = re.compile(r"\.(append|prepend|replaceChildren|before|after|replaceWith)\(")
CLOSE = {"(": ")", "[": "]", "{": "}"}


def _call_arguments(text: str, start: int) -> list[str]:
    """The top-level arguments of the call whose "(" is at `start`, with string literals blanked
    and whatever is nested in brackets dropped (only the brackets stay): `a ? h("ul", …) : null`
    becomes `a ? h() : null`."""
    args, current, depth, i = [], [], 0, start + 1
    while i < len(text):
        c = text[i]
        if c in "\"'`":
            end = i + 1
            while text[end] != c:
                end += 2 if text[end] == "\\" else 1
            if depth == 0:
                current.append('""')
            i = end + 1
            continue
        if c in CLOSE:
            if depth == 0:
                current.append(c)
            depth += 1
        elif c in CLOSE.values():
            if depth == 0:
                args.append("".join(current).strip())
                return [a for a in args if a]
            depth -= 1
            if depth == 0:
                current.append(c)
        elif c == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
        elif depth == 0:
            current.append(c)
        i += 1
    raise AssertionError("unbalanced call")


def _renders_wrongly(arg: str) -> bool:
    """An argument the native DOM method turns into text: null, undefined or a boolean ("null"),
    an array ("[object HTMLHeadingElement],…") — directly or as a branch of a ?: — or a list
    made by .map()/.filter() that is not spread."""
    if arg.startswith("..."):
        return False
    return bool(
        re.search(r"\b(null|undefined|true|false)\b", arg)
        or re.search(r"(^|[?:]\s*)\[", arg)
        or re.search(r"\.(map|filter|flatMap|slice|concat)\(\)\s*($|:)", arg)
    )


def test_native_dom_insertion_is_never_given_null_or_an_array() -> None:
    """`el.append(x ? node : null)` shows the word "null" on screen, `el.append([a, b])`
    "[object …],[object …]": such children go through ui.js add()/fill() or h(), which skip
    null and flatten arrays (a blind review found both under forms and in Menunggu dikirim)."""
    assert not _renders_wrongly("...items.map()") and _renders_wrongly("a ? h() : null")
    assert _renders_wrongly("n ? [h(), h()] : null") and not _renders_wrongly("h()")
    found = []
    for path in sorted((WEB_DIR / "js").rglob("*.js")):
        text = path.read_text(encoding="utf-8")
        for match in NATIVE_INSERT.finditer(text):
            if path.name == "upload.js":  # FormData.append(name, value)
                continue
            bad = [a for a in _call_arguments(text, match.end() - 1) if _renders_wrongly(a)]
            if bad:
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(WEB_DIR)}:{line}: {bad}")
    assert found == []
