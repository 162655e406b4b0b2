"""Layer 2: what a report means: rule kinds, arithmetic, the report JSON Schema, validation,
findings, the check pipeline, the printed report and the house style (style.py).
May import: converter.base, converter.form.
"""
