"""``veil review``: check and correct every face in a local web page before release.

`document` holds the review (``OUT/veil-review.json``), `render` fetches frames
and writes the export, `server` is the web app, ``static/`` the page.
"""
