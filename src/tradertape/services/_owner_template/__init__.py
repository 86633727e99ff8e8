"""The skeleton a tenth order owner copies (its siblings: ``workers``, ``options``,
``portfolios``, ``alerts``, ``webhooks``, ``baskets``, ``mtm_exits``, ``assistant``).

Never built, never registered: copy this package to ``services/<it>/``, then

1. add the kind to `domain.owners.OwnerKind`, and teach `domain.owners.owner_from` the
   source (or the tag) its orders are placed with, so the OMS stores the owner on each
   order (``owner_kind``, ``owner_id``); a kind with a book of its own joins
   `domain.owners.BOOK_KINDS` and writes its id with `domain.owners.tags_of`;
2. ``owner.py``: its policy (start from `oms.DeskPolicy`, or `oms.CallerTells` if it tells
   its outcome itself) and its `OwnerPackage`; list it in `services.order_owners.PACKAGES`;
3. ``commands.py``: what places, modifies and cancels its orders, through the OMS's door
   (`OrderPipeline`) with a client key, so a replayed command answers its first order;
4. ``follow.py``: the followers of its own orders' events (none, if its outcome is told
   where it places);
5. ``reads.py``: what its routes show of its orders, read by owner (`Order.owned_by`);
6. ``owner.py``'s ``SAMPLE`` (`OwnerSample`, given to its package): an order as its
   placing command tags it, and its owner, book and risk scope; the conformance test
   (``tests/integration/test_owner_conformance.py``) then runs it with every other owner
   (its book, risk scope, lock, a replayed command, each event followed once by its own
   followers only), with no edit of the test.
"""
