"""Index options: listing and pricing in the simulated market, chains, selection and option runs."""
