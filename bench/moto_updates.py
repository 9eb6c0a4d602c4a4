"""moto's update expressions, cheaper for the benchmarks (bench/moto_fast.py says why moto's CPU is
taken out at all). moto parses an UpdateExpression twice per update item, deep-copies the tree,
walks it ten times to validate it and once more to apply it: ~0.5 ms per item, most of what a
bpjs_sync transaction costs moto. Each patch here removes a repetition without changing an answer
(tests/local/test_moto_fast.py runs the same script with and without them):

- `cached_update_expressions`: one parse per text;
- `cloned_update_expression_copies`: the validator's copy of the tree cloned node by node;
- `cached_traversal_node_types`, `class_level_node_checks`: the validators' per-node lookups once;
- `static_update_checks_once`: the three checks that read only the text, names and key, once;
- `planned_plain_updates`: SET #n = :v / REMOVE #n applied from a plan once moto has validated the
  text, names and table, with the checks that depend on the values made on each update.
"""

from __future__ import annotations

import contextlib
import functools
import weakref
from collections.abc import Iterator
from typing import Any

from bench.moto_patching import moto_module, replaced


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

    validators = moto_module("moto.dynamodb.parsing.validators")
    node = moto_module("moto.dynamodb.parsing.ast_nodes").Node

    def deepcopy(value: Any, memo: Any = None) -> Any:
        if memo is None and isinstance(value, node) and value.__dict__.get("parent") is None:
            with contextlib.suppress(_NotPlain):
                return _cloned_tree(value, node)
        return copy.deepcopy(value, memo)

    with replaced((validators, "deepcopy", deepcopy)):
        yield


@contextlib.contextmanager
def cached_traversal_node_types() -> Iterator[None]:
    """moto's update validators walk the expression tree ten times per update item, and at every
    node build the tuple of node types they process from a new mapping (`nodes_to_be_processed`,
    "cached" by its docstring, not by its code): here built once per validator instance. The
    mapping's keys are classes fixed in each validator's code."""
    traverser = moto_module("moto.dynamodb.parsing.ast_nodes").DepthFirstTraverser
    original = traverser.nodes_to_be_processed

    def nodes_to_be_processed(self: Any) -> tuple[type, ...]:
        types: tuple[type, ...] | None = self.__dict__.get("_sutasoma_node_types")
        if types is None:
            types = self.__dict__["_sutasoma_node_types"] = original(self)
        return types

    with replaced((traverser, "nodes_to_be_processed", nodes_to_be_processed)):
        yield


@contextlib.contextmanager
def class_level_node_checks() -> Iterator[None]:
    """moto's expression nodes are ABCs: each `isinstance` of a node goes through ABCMeta, and a
    validator pass asks it of every node twice (is it a node, is it one this pass processes), ~800
    times per update item. The answer depends only on the node's class, so it is asked once per
    class here; the traversal is moto's own, line for line."""
    ast_nodes = moto_module("moto.dynamodb.parsing.ast_nodes")
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

    with replaced((ast_nodes.DepthFirstTraverser, "traverse_node_recursively", traverse_node_recursively)):
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

    with replaced((validator, "__init__", __init__), (validator, "validate", validate)):
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
    models = moto_module("moto.dynamodb.models")
    dynamo_type = moto_module("moto.dynamodb.models.dynamo_type").DynamoType
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

    with replaced(
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
