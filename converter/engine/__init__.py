"""Layer 2: what a report means: rule kinds, arithmetic, the report JSON Schema, validation,
findings and the check pipeline. May import: converter.base, converter.form.
"""
