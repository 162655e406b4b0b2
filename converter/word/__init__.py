"""Layer 3: the Word report (.docx), written as OOXML from the form definition.

May import: converter.base, converter.form, converter.engine (never excel/ or published/).
"""
