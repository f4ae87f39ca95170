"""``veil batch``: resumable jobs over a folder or a manifest, on a local pool of worker processes.

`items` lists what to do, `storage` reads and writes local paths or fsspec
URLs, `ledger` records every item in ``DEST/veil-batch.json``, `pool` runs them.
"""
