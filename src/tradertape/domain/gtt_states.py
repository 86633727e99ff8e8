"""The states of a GTT that both venues and the readers of positions name.

Kept here, below the OMS, so that a reader (`oms.positions`: what a trigger holds back)
does not import the paper venue that imports it.
"""

ACTIVE = "active"  # waiting at its venue for its trigger
PLACING = "placing"  # live: recorded, the broker's answer not known yet
