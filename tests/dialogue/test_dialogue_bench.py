"""Issue 13's targets on the development set, measured through the real REST
channel by bench/dialogue.py (its own action + Rasa servers on a fresh catalogue).

Thresholds are the issue's: facts >= 0.90, generic replies <= 5% of in-scope
turns (counted with the console's "unanswered" definition since issue 16), first bubble p95 <= 600 characters, no bubble over 1,500, no internal
note, no register switch. The scoring functions are checked first on
hand-made replies, so the bench itself can fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import dialogue as bench

DEV_SET = Path(__file__).with_name("dev_set.yml")
# Sealed sets 4 and 5: evaluated once each, read since (their headers): development sets now.
READ_SEALED_SETS = [Path(__file__).with_name(f"sealed_2026-12-07{x}.yml") for x in ("c", "d")]


def test_scoring_detects_what_it_claims():
    assert (
        bench.facts_missing("Có: học trung cấp được MIỄN 100% học phí", [["mien 100%"], ["trung cấp"]]) == []
    )
    assert bench.facts_missing("Không có dữ liệu", [["học phí"]]) == [["học phí"]]

    def turn(text, reply, in_scope=True):
        return bench.Turn("t", "t1", text, in_scope, [], "em", messages=[{"text": reply}])

    refused = turn("hoc nail o dau", "Xin lỗi, câu này nằm ngoài phạm vi mình hỗ trợ.")
    assert bench.unanswered([refused]) == [refused] and refused.reason == "fallback"
    noted = turn("thich", "Mình đã ghi nhận. Bạn muốn hỏi về nội dung nào?")
    assert bench.unanswered([noted]) == [noted] and noted.reason == "generic"
    assert bench.unanswered([turn("troi mua ko", "Câu này mình chưa giúp được.", in_scope=False)]) == []
    answer = "Có: miễn 100% học phí. Căn cứ: NĐ 238/2025/NĐ-CP."
    first, again = turn("hoc tc co mat tien ko", answer), turn("con ky tuc xa thi sao", answer)
    assert bench.unanswered([first, again]) == [again] and again.reason == "repeated"
    assert bench.leaks("(Nguồn: domain-facts §2 [11]; (V, [11]); (P))")
    assert bench.leaks("toạ độ xấp xỉ theo OpenStreetMap")
    assert not bench.leaks("Căn cứ: NĐ 238/2025/NĐ-CP. Web: caodangvinhphuc.edu.vn")
    assert bench.registers([{"text": "Anh/chị hỏi giúp con nhé"}]) == {"anh_chi"}
    assert bench.registers([{"text": "Em có thích vẽ không?"}]) == {"em"}
    assert bench.registers([{"text": "Chào bạn, còn em thì sao?"}]) == {"ban", "em"}
    assert bench.registers([{"text": "Em có thích giảng bài cho bạn bè không?"}]) == {"em"}


@pytest.mark.model
@pytest.mark.slow
def test_dev_sets_meet_issue_13_targets():
    assert bench.ROOT.joinpath("models", "assistant.tar.gz").exists(), "run `make model` first"
    results = bench.run([DEV_SET, *READ_SEALED_SETS], None)
    assert len(results) == 3
    for result in results.values():
        summary = {k: v for k, v in result.items() if not k.startswith("_")}
        assert result["facts_share"] >= 0.90, (summary, result["_failures"]["facts"])
        assert result["unanswered_share"] <= 0.05, (summary, result["_failures"]["unanswered"])
        assert result["first_bubble_p95"] <= 600, (summary, result["_failures"]["long_first"])
        assert result["longest_bubble"] <= 1500, summary
        assert result["leaks"] == 0, result["_failures"]["leaks"]
        assert result["register_switches"] == 0, result["_failures"]["switches"]
