"""Contact entities of one input: e-mails, phones, one entity per value, exact spans."""

from __future__ import annotations

from nlp.entities import extract_entities, find_emails
from nlp.types import EntityKind


def test_emails_are_lower_cased_with_exact_spans():
    text = "Envía tu CV a Reclutamiento.Caribe@Example.com o a rrhh@empresa-uno.example.org."
    found = find_emails(text)
    assert [entity.value for entity in found] == [
        "reclutamiento.caribe@example.com",
        "rrhh@empresa-uno.example.org",
    ]
    for entity in found:
        assert text[entity.start : entity.end] == entity.text
        assert entity.kind is EntityKind.EMAIL


def test_things_that_are_not_emails_are_ignored():
    assert find_emails("precio: 20@ 5, usuario @canal, correo@, @example.com, a@b") == []


def test_entities_are_deduplicated_by_value_across_fields():
    fields = {
        "title": "Trabajo en Aruba: reclutamiento.caribe@example.com",
        "text": "Escribe a RECLUTAMIENTO.CARIBE@EXAMPLE.COM o llama al 0412 5550147",
        "contact": "+58 412-555-0147, https://wa.me/584125550147",
    }
    entities = extract_entities(fields, "CO")
    assert [(entity.kind, entity.value, entity.field) for entity in entities] == [
        (EntityKind.EMAIL, "reclutamiento.caribe@example.com", "title"),
        (EntityKind.PHONE, "+584125550147", "text"),
    ]
    for entity in entities:
        assert fields[entity.field][entity.start : entity.end] == entity.text


def test_no_fields_no_entities():
    assert extract_entities({}, None) == []
    assert extract_entities({"text": ""}, "VE") == []
