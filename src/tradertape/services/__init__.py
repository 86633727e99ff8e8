"""Use-cases: each service takes its collaborators in the constructor and a DB session per call."""
