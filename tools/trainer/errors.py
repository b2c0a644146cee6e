"""Errors the trainer reports to `arcedge train` as a JSON line {"event": "error", ...}:
a stable code (the TypeScript side maps it onto ArcEdgeError codes), a message and a fix."""


class TrainerError(Exception):
    def __init__(self, code, message, fix):
        super().__init__(message)
        self.code, self.message, self.fix = code, message, fix


def dataset_error(message, fix):
    return TrainerError("DATASET_INVALID", message, fix)
