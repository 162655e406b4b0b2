"""converter: 政府信息公开工作年度报告 templates, validation and Word reports."""

__version__ = "0.1.0"
