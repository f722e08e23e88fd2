"""Serializers whose fields are built once per class (kamcrm.api.FieldsBuiltOnce: the visit's, on the hot path)
give every instance fields of its own, nested ones included: a field reads the request of its own serializer, never
another's (two reps' visits in two threads of one process)."""

import pytest
from rest_framework.test import APIRequestFactory

from reports.visit_entry.api import VisitSerializer


def _descendants(field, path=()):
    yield path, field
    for name in ("child", "child_relation"):
        child = getattr(field, name, None)
        if child is not None:
            yield from _descendants(child, (*path, name))
    fields = field.__dict__.get("fields")  # a nested serializer's own fields, once it built them
    if fields is not None:
        for key, nested in fields.items():
            yield from _descendants(nested, (*path, key))


@pytest.mark.parametrize(
    "name", ["market_checks", "strategies", "needs_observed", "contacts_met", "orders", "distributor"]
)
def test_each_serializer_has_fields_of_its_own_down_to_the_nested_ones(name):
    factory = APIRequestFactory()
    requests = [factory.post("/api/visits/"), factory.post("/api/visits/")]
    serializers = [VisitSerializer(context={"request": request}) for request in requests]
    for serializer in serializers:  # a nested serializer builds its fields when first used
        for _path, field in _descendants(serializer.fields[name]):
            if hasattr(field, "child") and hasattr(field.child, "fields"):
                field.child.fields  # noqa: B018
    first, second = (dict(_descendants(s.fields[name])) for s in serializers)
    assert first.keys() == second.keys()
    for path, field in first.items():
        assert field is not second[path], path
    for serializer, request in zip(serializers, requests, strict=True):
        for path, field in _descendants(serializer.fields[name]):
            assert field.root is serializer, path
            assert field.context["request"] is request, path
            if path:
                parent = dict(_descendants(serializer.fields[name]))[path[:-1]]
                assert field.parent is parent, path
