"""Reversible escrow: hidden faces' original pixels sealed to public keys, revealed with an audit line.

`keys` makes and reads age key pairs, `sidecar` writes and reads ``OUTPUT.escrow``
(a tar stream through age), `seal` anonymises a file with its sidecar
(``--escrow``), `reveal` checks a sidecar against its output and restores
chosen faces (``veil reveal``).
"""
