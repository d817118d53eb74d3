import pytest

from bot.privacy import mask_pii, mask_structure


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sdt em 0912345678 nha", "sdt em [SĐT] nha"),
        ("gọi 0912.345.678 giúp", "gọi [SĐT] giúp"),
        ("số 0912-345-678", "số [SĐT]"),
        ("số 0912 345 678", "số [SĐT]"),
        ("+84 912 345 678", "[SĐT]"),
        ("(+84)912345678", "[SĐT]"),
        ("84912345678", "[SĐT]"),
        ("máy bàn 0211 3845 678", "máy bàn [SĐT]"),
        ("mail Me.Nguyen+x@example.com.vn nhé", "mail [EMAIL] nhé"),
        ("cccd 001203012345", "cccd [CCCD]"),
        ("cccd 001 203 012 345", "cccd [CCCD]"),
        ("cmnd 123456789", "cmnd [CMND]"),
        ("0912345678 và 001203012345", "[SĐT] và [CCCD]"),
    ],
)
def test_masks_vietnamese_pii(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "học phí 1.500.000 đồng",
        "năm 2025 lớp 9",
        "mã zalo 12345678901234567890",
        "điểm 8.5",
        "",
        "trung cấp 3 năm",
    ],
)
def test_leaves_ordinary_numbers(text):
    assert mask_pii(text) == text


def test_structure_masking_keeps_entity_offsets_and_ids():
    text = "sdt 0912345678 em ở Vĩnh Tường"
    event = {
        "event": "user",
        "text": text,
        "message_id": "0912345678",
        "parse_data": {
            "text": text,
            "intent": {"name": "inform", "confidence": 0.9},
            "entities": [
                {"entity": "area", "value": "vinh_tuong", "start": 20, "end": 30},
                {"entity": "phone", "value": "0912345678", "start": 4, "end": 14},
            ],
        },
        "metadata": {"zalo": {"message": {"text": text}}},
    }
    masked = mask_structure(event)
    new_text = masked["parse_data"]["text"]
    assert new_text == "sdt [SĐT] em ở Vĩnh Tường" == masked["text"]
    area, phone = masked["parse_data"]["entities"]
    assert new_text[area["start"] : area["end"]] == "Vĩnh Tường" and area["value"] == "vinh_tuong"
    assert phone["value"] == "[SĐT]" and new_text[phone["start"] : phone["end"]] == "[SĐT]"
    assert masked["metadata"]["zalo"]["message"]["text"] == new_text
    assert masked["message_id"] == "0912345678"  # identifiers are not free text
    assert event["text"] == text  # input untouched
