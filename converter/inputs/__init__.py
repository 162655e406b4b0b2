"""Layer 4: any input file to a report: dispatch by kind to the readers, last year's reports.

May import: layers 0–3 (base, form, engine, excel, word, published).
"""
