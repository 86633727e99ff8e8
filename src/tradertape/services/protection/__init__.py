"""Automatic protection: the engines that watch protected runs and exit one when a rule
fires, and the fence that lets one exit out per protection generation.

Worker runs' engine and rules still live in `services.workers` (issue 51 moves them
here)."""
