"""The one exception type for "cannot proceed": caught once at the CLI, exit code 2."""


class InputError(Exception):
    """An input (or output) that cannot be used at all. `message` is Chinese and names the file."""

    def __init__(self, code: str, message: str, path: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.path = path

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "path": self.path}
