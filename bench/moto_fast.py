"""Where moto spends CPU that DynamoDB would not spend on our machine, taken out for benchmarks.

The benchmarks run moto in their own process, on the same small machine as the code they measure:
moto's per-request costs land on the CPU the measured code needs, and would be most of what is
measured. Several of them are removed here, each without changing a single answer:

- Requests: moto reads a DynamoDB request by walking its JSON against botocore's input shape; the
  same dict comes from `json.loads` but for binary attributes (`PlainJsonRequests`).
- Responses: moto serializes a DynamoDB result by walking it against botocore's output shape
  (~0.3 ms per attribute value: a BatchGetItem of 20 items costs milliseconds). The result is
  already DynamoDB JSON once moto's `DynamoResult` has converted it, so `json.dumps` of it is the
  same document; the first responses of each operation are also serialized by moto and compared
  (`checked`, `same`), and a result that is not plain JSON (bytes) goes to moto's serializer.
- Update expressions: moto parses the same `UpdateExpression` string twice per update item (to
  validate, then to apply); each parse is cached by its text. moto's validator deep-copies the
  tree before it changes anything, so the cached tree is never altered. Condition expressions,
  the validators' copies and passes, item sizes and the request dispatch's lookups: each function's
  docstring says what moto repeats and why the answer is the same.

Used by bench/report_scale.py (Query and Scan) and bench/queue_throughput.py (every operation).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import re
import threading
import weakref
from collections import Counter
from collections.abc import Iterator
from typing import Any


class PlainJsonResponses:
    CHECKS = 1

    def __init__(self, operations: frozenset[str] | None = None) -> None:
        self.operations = operations  # None: every DynamoDB operation
        self.checked: Counter[str] = Counter()
        self.same = True
        self._lock = threading.Lock()

    def _check_next(self, operation: str) -> bool:
        with self._lock:
            if self.checked[operation] >= self.CHECKS:
                return False
            self.checked[operation] += 1
            return True

    def summary(self) -> str:
        checked = ", ".join(f"{op} {n}" for op, n in sorted(self.checked.items()))
        return f"plain JSON responses checked against moto's serializer ({checked}): same {self.same}"

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        from moto.dynamodb.responses import DynamoResult

        from local.aws.moto_reads import moto_execute_result

        patched = DynamoResult.execute_result
        original = moto_execute_result()  # moto's own serializer, what every answer is checked against
        plain = self

        def execute_result(result: Any, context: Any) -> Any:
            operation = context.operation_model.name
            wanted = plain.operations is None or operation in plain.operations
            if not wanted or not isinstance(result.result, dict):
                return original(result, context)
            try:
                body = json.dumps(result.result)
            except TypeError:  # bytes (a Binary attribute): moto's own serializer
                return original(result, context)
            headers = {"Content-Type": "application/x-amz-json-1.0"}
            if plain._check_next(operation):
                status, shipped_headers, shipped = original(result, context)
                plain.same = (
                    plain.same
                    and status == 200
                    and dict(shipped_headers) == headers
                    and json.loads(shipped) == result.result
                )
            return 200, headers, body

        DynamoResult.execute_result = execute_result  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            DynamoResult.execute_result = patched  # type: ignore[method-assign]


class PlainJsonRequests:
    """DynamoDB requests read with `json.loads` instead of moto's parser, which walks the body
    against botocore's input shape (~1 ms for a transaction of 24 items, json.loads ~0.1). For
    DynamoDB's JSON protocol the two agree but for binary attributes (B, BS: base64 text that
    the parser decodes), so a body that mentions either goes to moto's parser, as does one that is
    not JSON; the first requests of each operation are parsed both ways and compared (`same`)."""

    CHECKS = 2
    BINARY = (b'"B"', b'"BS"')

    def __init__(self) -> None:
        self.checked: Counter[str] = Counter()
        self.same = True
        self._lock = threading.Lock()

    def _check_next(self, operation: str) -> bool:
        with self._lock:
            if self.checked[operation] >= self.CHECKS:
                return False
            self.checked[operation] += 1
            return True

    def summary(self) -> str:
        checked = ", ".join(f"{op} {n}" for op, n in sorted(self.checked.items()))
        return f"plain JSON requests checked against moto's parser ({checked}): same {self.same}"

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        from moto.dynamodb.responses import DynamoHandler

        original = DynamoHandler.parse_parameters
        plain = self

        def parse_parameters(handler: Any, request: Any) -> None:
            body = request.get_data()
            if not body or any(marker in body for marker in plain.BINARY):
                return original(handler, request)
            try:
                params = json.loads(body)
            except ValueError:
                return original(handler, request)
            if not isinstance(params, dict):
                return original(handler, request)
            if plain._check_next(handler._get_action()):
                original(handler, request)
                plain.same = plain.same and handler.params == params
            handler.params = params
            return None

        DynamoHandler.parse_parameters = parse_parameters  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            DynamoHandler.parse_parameters = original  # type: ignore[method-assign]


@contextlib.contextmanager
def cached_update_expressions() -> Iterator[None]:
    from moto.dynamodb.parsing import expressions

    parser: Any = expressions.UpdateExpressionParser  # type: ignore[attr-defined]  # moto's, not re-exported
    original = parser.__dict__["make"]
    parse: Any = functools.lru_cache(maxsize=1024)(original.__func__)
    parser.make = classmethod(lambda cls, text: parse(cls, text))
    try:
        yield
    finally:
        parser.make = original


@contextlib.contextmanager
def _replaced(*swaps: tuple[Any, str, Any]) -> Iterator[None]:
    """Each (owner, name, value): `owner.name` is `value` inside the block, what it was after."""
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in swaps]
    for owner, name, value in swaps:
        setattr(owner, name, value)
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def _moto(module: str) -> Any:
    """One of moto's modules, whose names are patched here (untyped: moto does not export them)."""
    return importlib.import_module(module)


# A name (#n) or value (:v) an expression refers to.
_REFERENCE = re.compile(r"[#:][A-Za-z0-9_]+")


def _referenced(expression: str | None, mapping: dict[str, Any] | None) -> tuple[tuple[str, str], ...] | None:
    """The entries of `mapping` that `expression` names, as a key (None stays None: moto tells the
    two apart)."""
    if mapping is None:
        return None
    used = set(_REFERENCE.findall(expression or ""))
    return tuple(sorted((k, json.dumps(v, sort_keys=True)) for k, v in mapping.items() if k in used))


class _Parsed:
    """What `create_condition_expression_parser` returns, as far as moto's models use it."""

    def __init__(self, op: Any) -> None:
        self._op = op

    def parse(self) -> Any:
        return self._op


@contextlib.contextmanager
def cached_condition_expressions() -> Iterator[None]:
    """moto parses a write's ConditionExpression twice (TransactWriteItems checks it, then the
    write itself parses it again), each time from its text; here once per text and the names and
    values it refers to. The parsed condition is only evaluated (`Op.expr(item)`), never changed.
    Only the parses of moto's models (writes, and Query/Scan filters) are cached: the request
    handlers' own parse that finds unused names and values is untouched."""
    models, table = _moto("moto.dynamodb.models"), _moto("moto.dynamodb.models.table")
    original = models.get_filter_expression

    @functools.lru_cache(maxsize=4096)
    def parse(expression: str | None, names: Any, values: Any) -> Any:
        return original(
            expression,
            None if names is None else {k: json.loads(v) for k, v in names},
            None if values is None else {k: json.loads(v) for k, v in values},
        )

    def get_filter_expression(expression: str | None, names: Any, values: Any) -> Any:
        return parse(expression, _referenced(expression, names), _referenced(expression, values))

    def create_condition_expression_parser(expression: str | None, names: Any, values: Any) -> _Parsed:
        return _Parsed(get_filter_expression(expression, names, values))

    with _replaced(
        (models, "get_filter_expression", get_filter_expression),
        (models, "create_condition_expression_parser", create_condition_expression_parser),
        (table, "get_filter_expression", get_filter_expression),
    ):
        yield


class _RequestCondition:
    """What moto's request handlers use of a `ConditionExpressionParser`: `parse()`, then the
    names and values it found (lists the handler may extend: each call gets its own)."""

    def __init__(self, expression: str | None, names: Any, values: Any, parse: Any) -> None:
        self._key = (expression, _referenced(expression, names), _referenced(expression, values))
        self._arguments = (expression, names, values)
        self._parse = parse
        self.expr_attr_names_found: list[str] = []
        self.expr_attr_values_found: list[str] = []

    def parse(self) -> Any:
        op, names, values = self._parse(self._key, self._arguments)
        self.expr_attr_names_found, self.expr_attr_values_found = list(names), list(values)
        return op


@contextlib.contextmanager
def cached_request_conditions() -> Iterator[None]:
    """moto's request handlers parse each write's ConditionExpression once more (TransactWriteItems:
    every item's), only to find the names and values it uses: here once per text and the names
    and values it refers to. A parse that raises is not kept: the next one raises again."""
    comparisons, responses = _moto("moto.dynamodb.comparisons"), _moto("moto.dynamodb.responses")
    parsers: dict[Any, tuple[Any, tuple[str, ...], tuple[str, ...]]] = {}

    def parse(key: Any, arguments: tuple[Any, Any, Any]) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
        parsed = parsers.get(key)
        if parsed is None:
            parser = comparisons.ConditionExpressionParser(*arguments)
            op = parser.parse()
            parsed = parsers[key] = (
                op,
                tuple(parser.expr_attr_names_found),
                tuple(parser.expr_attr_values_found),
            )
        return parsed

    def create(expression: str | None, names: Any, values: Any) -> _RequestCondition:
        return _RequestCondition(expression, names, values, parse)

    with _replaced((responses, "create_condition_expression_parser", create)):
        yield


@contextlib.contextmanager
def linear_item_size_checks() -> Iterator[None]:
    """moto builds an item attribute by attribute, and its size check adds up the whole item again
    at each one (quadratic in the attributes: a farmer's ~40 are ~800 sizes). Here the same limit
    on the same sum, once: sizes are never negative, so the sum passes 405,000 bytes part way
    exactly when it does at the end, and the same ItemSizeTooLarge is raised."""
    dynamo_type = _moto("moto.dynamodb.models.dynamo_type")
    item_class, limited, wrap = dynamo_type.Item, dynamo_type.LimitedSizeDict, dynamo_type.DynamoType
    bytesize = _moto("moto.dynamodb.models.utilities").bytesize
    too_large = _moto("moto.dynamodb.exceptions").ItemSizeTooLarge

    def __init__(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key, self.range_key = hash_key, range_key
        values = {key: wrap(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in values.items()) > 405000:
            raise too_large
        self.attrs = limited.__new__(limited)
        dict.update(self.attrs, values)

    with _replaced((item_class, "__init__", __init__)):
        yield


class _NotPlain(Exception):
    """A node holding more than its type, parent and children (strings and nodes)."""


_PLAIN_NODE = frozenset({"type", "parent", "children"})
_IMMUTABLE_LEAVES = (str, int, float, bool, type(None))


def _cloned_tree(root: Any, node_class: type) -> Any:
    """An independent copy of a parsed tree whose nodes hold only their type name, their parent
    and children that are nodes or immutable leaves: what `copy.deepcopy` makes of it, parents
    pointing into the copy. Raises _NotPlain for anything else."""

    def clone(node: Any, parent: Any) -> Any:
        attributes = node.__dict__
        children = attributes.get("children")
        if attributes.keys() - _PLAIN_NODE or not isinstance(children, list | None):
            raise _NotPlain
        copied = object.__new__(type(node))
        copied.__dict__ = {**attributes, "parent": parent}
        if children is not None:
            copied.children = [child_of(copied, node, child) for child in children]
        return copied

    def child_of(copied: Any, original: Any, child: Any) -> Any:
        if isinstance(child, node_class):
            if child.__dict__.get("parent") is not original:
                raise _NotPlain
            return clone(child, copied)
        if not isinstance(child, _IMMUTABLE_LEAVES):
            raise _NotPlain
        return child

    return clone(root, None)


@contextlib.contextmanager
def cloned_update_expression_copies() -> Iterator[None]:
    """moto's update validator deep-copies the parsed UpdateExpression before it resolves names
    and values into it (copy.deepcopy walks ~40 nodes in Python, a pickle round trip a third of
    that); a parsed tree holds only node types, parents and children, so it is cloned node by node
    (`_cloned_tree`), at under half a pickle's cost. A tree that holds anything else, a subtree
    (deepcopy would copy its parents too) and anything else the validators copy (a DynamoType in
    list_append) still go to copy.deepcopy."""
    import copy

    validators = _moto("moto.dynamodb.parsing.validators")
    node = _moto("moto.dynamodb.parsing.ast_nodes").Node

    def deepcopy(value: Any, memo: Any = None) -> Any:
        if memo is None and isinstance(value, node) and value.__dict__.get("parent") is None:
            with contextlib.suppress(_NotPlain):
                return _cloned_tree(value, node)
        return copy.deepcopy(value, memo)

    with _replaced((validators, "deepcopy", deepcopy)):
        yield


@contextlib.contextmanager
def cached_traversal_node_types() -> Iterator[None]:
    """moto's update validators walk the expression tree ten times per update item, and at every
    node build the tuple of node types they process from a new mapping (`nodes_to_be_processed`,
    "cached" by its docstring, not by its code): here built once per validator instance. The
    mapping's keys are classes fixed in each validator's code."""
    traverser = _moto("moto.dynamodb.parsing.ast_nodes").DepthFirstTraverser
    original = traverser.nodes_to_be_processed

    def nodes_to_be_processed(self: Any) -> tuple[type, ...]:
        types: tuple[type, ...] | None = self.__dict__.get("_sutasoma_node_types")
        if types is None:
            types = self.__dict__["_sutasoma_node_types"] = original(self)
        return types

    with _replaced((traverser, "nodes_to_be_processed", nodes_to_be_processed)):
        yield


@contextlib.contextmanager
def class_level_node_checks() -> Iterator[None]:
    """moto's expression nodes are ABCs: each `isinstance` of a node goes through ABCMeta, and a
    validator pass asks it of every node twice (is it a node, is it one this pass processes), ~800
    times per update item. The answer depends only on the node's class, so it is asked once per
    class here; the traversal is moto's own, line for line."""
    ast_nodes = _moto("moto.dynamodb.parsing.ast_nodes")
    node_class = ast_nodes.Node
    is_node: Any = functools.cache(lambda cls: issubclass(cls, node_class))
    processed: Any = functools.cache(issubclass)

    def traverse_node_recursively(self: Any, node: Any, child_id: int = -1) -> Any:
        if is_node(type(node)):
            parent_node = node.parent
            if node.children is not None:
                for i, child_node in enumerate(node.children):
                    self.pre_processing_of_child(node, i)
                    self.traverse_node_recursively(child_node, i)
            if processed(type(node), self.nodes_to_be_processed()):
                node = self.process(node)
                node.parent = parent_node
                if parent_node:
                    parent_node.children[child_id] = node
        return node

    with _replaced((ast_nodes.DepthFirstTraverser, "traverse_node_recursively", traverse_node_recursively)):
        yield


@contextlib.contextmanager
def static_update_checks_once() -> Iterator[None]:
    """Three of moto's ten passes over an update expression (how many actions, overlapping paths,
    a key attribute changed) read only the parsed expression, its attribute names and the table's
    key: once all ten have passed for one parsed tree (parses are cached: the same text is the
    same tree) with the same names and key, later updates skip those three. The other seven, which
    read the values and the item, always run."""
    from moto.dynamodb.parsing import validators

    static = (
        validators.ActionCountValidator,
        validators.OverlappingPathsValidator,
        validators.UpdateHashRangeKeyValidator,
    )
    passed: weakref.WeakKeyDictionary[Any, set[Any]] = weakref.WeakKeyDictionary()
    validator = validators.UpdateExpressionValidator
    original_init, original_validate = validator.__init__, validator.validate

    def __init__(self: Any, expression: Any, expression_attribute_names: Any, expression_attribute_values: Any,
                 item: Any, table: Any) -> None:  # fmt: skip
        original_init(self, expression, expression_attribute_names, expression_attribute_values, item, table)
        key = (tuple(sorted((expression_attribute_names or {}).items())), tuple(table.table_key_attrs))
        self._sutasoma_checked = (expression, key)
        if key in passed.get(expression, ()):
            self.processors = [p for p in self.processors if not isinstance(p, static)]

    def validate(self: Any) -> Any:
        validated = original_validate(self)
        expression, key = self._sutasoma_checked
        passed.setdefault(expression, set()).add(key)
        return validated

    with _replaced((validator, "__init__", __init__), (validator, "validate", validate)):
        yield


@contextlib.contextmanager
def cached_dispatch_lookups() -> Iterator[None]:
    """For every request moto lists its handler class's methods with `inspect.getmembers` and
    converts the action's name to snake case: both pure, both cached here."""
    responses = _moto("moto.core.responses")
    with _replaced(
        (responses, "method_names_from_class", functools.cache(responses.method_names_from_class)),
        (
            responses,
            "camelcase_to_underscores",
            functools.lru_cache(maxsize=1024)(responses.camelcase_to_underscores),
        ),
    ):
        yield


# What a plain update expression is made of: SET #name = :value and REMOVE #name actions only.
_PLAIN_CONTAINERS = (
    "UpdateExpression", "UpdateExpressionSetClause", "UpdateExpressionSetActions",
    "UpdateExpressionRemoveClause", "UpdateExpressionRemoveActions",
)  # fmt: skip


def _only_name(node: Any, node_type: str) -> str | None:
    """The placeholder of `node_type(ExpressionAttributeName(placeholder))` (or of a value), else None."""
    children = node.children if type(node).__name__ == node_type else None
    if not children or len(children) != 1:
        return None
    (leaf,) = children
    expected = (
        "ExpressionAttributeValue" if node_type == "UpdateExpressionValue" else "ExpressionAttributeName"
    )
    if (
        type(leaf).__name__ != expected
        or len(leaf.children or ()) != 1
        or not isinstance(leaf.children[0], str)
    ):
        return None
    return str(leaf.children[0])


def _plain_actions(tree: Any) -> list[tuple[str, str | None]] | None:
    """The actions of a parsed update expression in their order, (name placeholder, value
    placeholder; None to remove), if it holds nothing but SET #n = :v and REMOVE #n; else None."""
    actions: list[tuple[str, str | None]] = []

    def walk(node: Any) -> bool:
        kind = type(node).__name__
        children = node.children or []
        if kind in _PLAIN_CONTAINERS:
            return all(walk(child) for child in children)
        if kind == "UpdateExpressionSetAction" and len(children) == 2:
            name, value = (
                _only_name(children[0], "UpdateExpressionPath"),
                _only_name(children[1], "UpdateExpressionValue"),
            )
            actions.append((name or "", value))
            return name is not None and value is not None
        if kind == "UpdateExpressionRemoveAction" and len(children) == 1:
            name = _only_name(children[0], "UpdateExpressionPath")
            actions.append((name or "", None))
            return name is not None
        return False

    return actions if walk(tree) and actions else None


class _PlannedUpdate:
    """A plain update, checked, standing for moto's validated tree: `normalize` has nothing to
    sort (top-level removes of different names commute), `apply` runs its actions in moto's order."""

    def __init__(self, steps: list[tuple[str, Any]]) -> None:
        self.steps = steps  # (attribute name, DynamoType to set; None to remove)

    def validate(self) -> _PlannedUpdate:
        return self

    def normalize(self) -> None:
        return None

    def apply(self, item: Any) -> None:
        # moto runs a group of removes after the sets before it (normalize): the same order here.
        for name, value in self.steps:
            if value is None:
                item.attrs.pop(name, None)
            else:
                item.attrs[name] = value  # moto's LimitedSizeDict: the same size check, same error


class _AppliedPlan:
    def __init__(self, plan: _PlannedUpdate, item: Any) -> None:
        self.plan, self.item = plan, item

    def execute(self) -> None:
        self.plan.apply(self.item)


@contextlib.contextmanager
def planned_plain_updates() -> Iterator[None]:
    """moto validates an update expression by walking its tree ten times (names and values
    resolved, functions and operators evaluated, types checked) and then walks it once more to
    apply it: ~0.5 ms per update item, most of a transaction's time. An expression that only SETs
    top-level names to values and REMOVEs top-level names needs none of that once moto has
    validated it for the same text, names and table: what is left to check depends on the values,
    and is checked here on each update, with moto's own path taking any update that would fail one
    of them (a value not given, a table key attribute set) so that moto raises its own error:

    - every value placeholder is given (else ExpressionAttributeValueNotDefined);
    - no SET names an attribute of the table's definitions or keys (where moto checks the type
      and refuses empty strings): those updates go through moto's validators every time;
    - each value converts to a DynamoType (else moto's path, which raises what it raises).

    Then the actions are applied as moto's executor applies them: `item.attrs[name] = value` (the
    size check included) and `item.attrs.pop(name, None)`."""
    models = _moto("moto.dynamodb.models")
    dynamo_type = _moto("moto.dynamodb.models.dynamo_type").DynamoType
    validator_class, executor_class = models.UpdateExpressionValidator, models.UpdateExpressionExecutor
    plans: weakref.WeakKeyDictionary[Any, list[tuple[str, str | None]] | None] = weakref.WeakKeyDictionary()
    validated: weakref.WeakKeyDictionary[Any, set[Any]] = weakref.WeakKeyDictionary()

    def planned(expression: Any, names: Any, values: Any, table: Any) -> _PlannedUpdate | None:
        if expression not in plans:
            plans[expression] = _plain_actions(expression)
        actions = plans[expression]
        if actions is None or _static_key(names, table) not in validated.get(expression, ()):
            return None
        guarded = {d["AttributeName"] for d in table.attr} | set(table.attribute_keys)
        steps: list[tuple[str, Any]] = []
        try:
            for name_placeholder, value_placeholder in actions:
                name = names[name_placeholder]
                if value_placeholder is None:
                    steps.append((name, None))
                elif name in guarded or value_placeholder not in (values or {}):
                    return None
                else:
                    steps.append((name, dynamo_type(values[value_placeholder])))
        except Exception:  # moto's own path raises its own error for it
            return None
        return _PlannedUpdate(steps)

    def make_validator(expression: Any, expression_attribute_names: Any, expression_attribute_values: Any,
                       item: Any, table: Any) -> Any:  # fmt: skip
        plan = planned(expression, expression_attribute_names, expression_attribute_values, table)
        if plan is not None:
            return plan
        real = validator_class(
            expression, expression_attribute_names, expression_attribute_values, item, table
        )
        return _RecordingValidator(real, lambda: validated.setdefault(expression, set()).add(
            _static_key(expression_attribute_names, table)))  # fmt: skip

    def make_executor(update_ast: Any, item: Any, expression_attribute_names: Any) -> Any:
        if isinstance(update_ast, _PlannedUpdate):
            return _AppliedPlan(update_ast, item)
        return executor_class(update_ast, item, expression_attribute_names)

    with _replaced(
        (models, "UpdateExpressionValidator", make_validator),
        (models, "UpdateExpressionExecutor", make_executor),
    ):
        yield


def _static_key(names: Any, table: Any) -> tuple[Any, ...]:
    """What moto's validation of an expression reads besides the values and the item."""
    return (
        tuple(sorted((names or {}).items())), tuple(table.table_key_attrs), tuple(sorted(table.attribute_keys)),
        tuple(sorted((d["AttributeName"], d["AttributeType"]) for d in table.attr)),
    )  # fmt: skip


class _RecordingValidator:
    """moto's validator, noting when it passes."""

    def __init__(self, real: Any, passed: Any) -> None:
        self.real, self.passed = real, passed

    def validate(self) -> Any:
        validated = self.real.validate()
        self.passed()
        return validated


@contextlib.contextmanager
def faster_writes() -> Iterator[None]:
    """Every speed-up above at once but the plain JSON responses (update and condition parses, the
    validators' copy and passes, the request dispatch's lookups)."""
    with (
        cached_dispatch_lookups(),
        cached_update_expressions(),
        cached_condition_expressions(),
        cached_request_conditions(),
        linear_item_size_checks(),
        cloned_update_expression_copies(),
        cached_traversal_node_types(),
        class_level_node_checks(),
        static_update_checks_once(),
        planned_plain_updates(),
    ):
        yield
