"""Request and response models, one module per aggregate, separate from the ORM tables."""
