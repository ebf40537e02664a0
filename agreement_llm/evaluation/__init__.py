"""The eval harness: gold files, scoring, cassette replay, reports. Nothing in the core
library imports this package."""
