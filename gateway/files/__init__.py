"""Files in and out: the Excel ledger imported (ledger.py, over workbook.py's checked reading), lists exported as
.xlsx or CSV (export.py), and PDF documents (pdf.py)."""
