"""Reading the CSV files the pages offer for download, as a spreadsheet would."""
from timebank.csv_safe import BOM


def spreadsheet_text(download) -> str:
    """The text of a CSV download (a response, or a file's bytes) after the UTF-8 byte-order
    mark it must start with, so that spreadsheets read "−" and accents right."""
    data = download if isinstance(download, bytes | str) else download.get_data()
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    assert text.startswith(BOM), "a CSV download starts with a UTF-8 byte-order mark"
    return text.removeprefix(BOM)
