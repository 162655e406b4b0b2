"""Layer 3: the report as a web page (.html) for an agency's website, laid out from the form definition.

May import: converter.base, converter.form, converter.engine (never excel/, word/ or published/).
"""
