"""The upload → preview → confirm import framework: reading sheets and the stash (``sheets``), the pages (``flow``)."""
