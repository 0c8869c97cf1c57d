"""The citizen API's request models: what a text field refuses."""

from __future__ import annotations

import unicodedata

import pytest
from pydantic import ValidationError

from gateway.api.models.citizens import CitizenLookupRequest

BODY = {"id_number": "001203012345", "purpose": "Xác minh", "officer_id": "cb.0012"}


def test_every_control_character_and_only_those_is_refused():
    """Each of the 65 code points of Unicode category Cc is refused in a text field; a sample of
    other characters (format characters, spaces, Vietnamese letters) is accepted."""
    controls = [chr(i) for i in range(0x110000) if unicodedata.category(chr(i)) == "Cc"]
    assert len(controls) == 65
    for char in controls:
        with pytest.raises(ValidationError, match="control characters"):
            CitizenLookupRequest.model_validate({**BODY, "full_name": f"NGUYỄN{char}A"})
    for char in ("\u00a0", "\u200b", "\u2028", "\ufeff", "Ữ", " "):
        CitizenLookupRequest.model_validate({**BODY, "full_name": f"NGUYỄN{char}A"})
