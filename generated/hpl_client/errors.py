"""Contains shared errors types that can be raised from API functions"""


class UnexpectedStatus(Exception):
    """Raised by api functions when Client.raise_on_unexpected_status is True and the API answers a status the operation does not document

    Any integer status qualifies, also one outside `http.HTTPStatus` (499, 520).
    """

    def __init__(self, status_code: int, content: bytes):
        self.status_code = status_code
        self.content = content

        super().__init__(
            f"Unexpected status code: {status_code}\n\nResponse content:\n{content.decode(errors='ignore')}"
        )


class UnexpectedBody(UnexpectedStatus):
    """Raised by api functions when Client.raise_on_unexpected_status is True and the body of a documented
    status is not its documented model (not JSON, empty, or another document). The parsing error is the
    `__cause__`; `status_code` and `content` hold the answer.
    """

    def __init__(self, status_code: int, content: bytes):
        self.status_code = status_code
        self.content = content

        Exception.__init__(
            self,
            f"Unexpected body for status code: {status_code}\n\nResponse content:\n{content.decode(errors='ignore')}",
        )


__all__ = ["UnexpectedBody", "UnexpectedStatus"]
