"""The order audit trail (`trail`): what each user's orders went through, hash-chained."""
