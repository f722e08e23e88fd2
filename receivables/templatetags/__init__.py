"""The ``money`` template filter: money as printed documents show it, with thousands separators and 2 decimals."""
