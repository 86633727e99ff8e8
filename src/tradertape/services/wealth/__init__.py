"""Wealth: holdings across brokers, uploads and CAS; mutual funds at the latest NAV."""
