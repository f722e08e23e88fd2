"""The ``contest_tags`` template tag: the running contests covering the user, with their live leaders."""
