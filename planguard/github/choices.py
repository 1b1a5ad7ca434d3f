"""What a `check --github` run may post, and how it keeps its comment: the command line's
choices, importable without the GitHub client."""

from __future__ import annotations

import enum


class Post(enum.Enum):
    COMMENT = "comment"
    STATUS = "status"
    REVIEWS = "review-requests"
    SUMMARY = "summary"
    ANNOTATIONS = "annotations"
    OUTPUTS = "outputs"
    INLINE = "inline-review"
    LABELS = "labels"
    """A `planguard: <tier>` label on the PR (opt-in: it creates labels in the repository)."""


class CommentMode(enum.Enum):
    UPDATE = "update"
    NEW = "new"
    DELETE_AND_NEW = "delete-and-new"
    HIDE_AND_NEW = "hide-and-new"
    """Post a new comment and fold each older one into a collapsed "superseded" section (GitHub
    hides comments only through GraphQL; the REST API edits them)."""
    CHANGES_ONLY = "changes-only"
    """Like update, but a plan that changes nothing posts no new comment (an existing one is
    still updated: a stale verdict must not stand)."""
