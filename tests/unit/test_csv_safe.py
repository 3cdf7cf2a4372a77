"""The one CSV writer (`timebank/csv_safe.py`): formulas neutralised, numbers left as numbers, a
byte-order mark for spreadsheets and none for programs."""
import csv
import io

import pytest

from timebank import csv_safe


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("https://evil.example","Click")', '\'=HYPERLINK("https://evil.example","Click")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Alice Adeyemi", "Alice Adeyemi"),
        ("a=b", "a=b"),
        ("", ""),
        # plain numbers are not formulas: a signed minutes column stays a number
        ("-90", "-90"),
        ("+15", "+15"),
        ("-1.5", "-1.5"),
        ("-2e-05", "-2e-05"),
        (-90, -90),
        (1.5, 1.5),
        (None, None),
    ],
)
def test_a_cell_that_could_start_a_formula_is_neutralised_and_a_number_is_not(value, written):
    assert csv_safe.safe_cell(value) == written


def test_the_writer_neutralises_every_cell_and_starts_with_a_bom():
    out = io.StringIO()
    writer = csv_safe.writer(out)
    writer.writerow(["name", "minutes"])
    writer.writerows([["=cmd()", -90], ["Zoë − carer", 30]])
    text = out.getvalue()
    assert text.startswith(csv_safe.BOM)
    assert list(csv.reader(io.StringIO(text.removeprefix(csv_safe.BOM)))) == [
        ["name", "minutes"], ["'=cmd()", "-90"], ["Zoë − carer", "30"],
    ]
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")


def test_exports_for_programs_have_no_bom_and_keep_signed_numbers():
    out = io.StringIO()
    writer = csv_safe.writer(out, bom=False)
    writer.writerows([["account_id", "balance_minutes"], [7, -90], ["8", "-15"]])
    assert out.getvalue() == "account_id,balance_minutes\n7,-90\n8,-15\n"


def test_the_dict_writer_fills_missing_keys_and_neutralises():
    out = io.StringIO()
    writer = csv_safe.DictWriter(out, fieldnames=["who", "note"], lineterminator="\r\n")
    writer.writeheader()
    writer.writerow({"who": "@admin"})
    assert out.getvalue() == csv_safe.BOM + "who,note\r\n'@admin,\r\n"
