"""Questions about a legal document named by its number are answered about that
document, from its catalogue records, whichever action the NLU chose."""

from __future__ import annotations

import pytest

from actions.asks import ActionOutOfScope
from actions.documents import named_documents
from actions.info import ActionVocationalLevels
from bot.catalog.names import get_policy
from bot.catalog.present import period
from tests.actions.helpers import make_tracker, run_action, texts


@pytest.mark.parametrize(
    "text, number",
    [
        ("nq 19 con ap dung ko ad", "19/2021/NQ-HĐND"),
        ("Nghị quyết 19 còn hiệu lực không?", "19/2021/NQ-HĐND"),
        ("nghị định 81/2021 còn dùng không", "81/2021/NĐ-CP"),
        ("ND 238 quy dinh gi", "238/2025/NĐ-CP"),
        ("kế hoạch 220 là gì", "220/KH-UBND"),
        ("luat 124 hieu luc tu khi nao", "124/2025/QH15"),
    ],
)
def test_documents_are_found_by_how_people_write_their_number(session, text, number):
    assert [n for n, _ in named_documents(session, text)] == [number]


@pytest.mark.parametrize("text", ["em hoc lop 9, 19 tuoi", "nha em o xa 220", "hoc phi 238 nghin a"])
def test_numbers_that_are_not_documents_are_not(session, text):
    assert named_documents(session, text) == []


def test_an_expired_document_is_said_expired_with_its_period(session):
    nq19 = get_policy(session, "nq_19_2021_vp_trung_cap")
    tracker = make_tracker(intent="ask_vocational_levels", text="nq 19 con ap dung ko ad")
    messages, events = run_action(ActionVocationalLevels(), tracker)  # a misroute, answered anyway
    first = messages[0]["text"]
    assert first.startswith("Không còn áp dụng") and period(nq19) == "2021-2025" and "2021-2025" in first
    assert nq19.title in texts(messages)
    assert any(
        e.get("name") == "last_sources" and "policy:nq_19_2021_vp_trung_cap" in e["value"] for e in events
    )


def test_a_replaced_document_names_its_replacement(session):
    old = get_policy(session, "nd_81_2021_thcs_trung_cap")
    assert old.superseded_by is not None
    tracker = make_tracker(
        intent="out_of_scope", text="Nghị định 81/2021 về học phí bây giờ còn áp dụng không?"
    )
    messages, _ = run_action(ActionOutOfScope(), tracker)
    first = messages[0]["text"]
    assert first.startswith("Không còn áp dụng") and old.superseded_by.legal_basis_number in first


def test_a_benefit_question_that_names_a_document_keeps_its_own_answer(session):
    tracker = make_tracker(intent="ask_vocational_levels", text="trung cap hoc may nam, theo luat 124")
    messages, _ = run_action(ActionVocationalLevels(), tracker)
    assert not messages[0]["text"].startswith(("Còn hiệu lực", "Không còn"))
