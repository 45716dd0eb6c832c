"""The equal-opportunity assistant: settings, topics, command line and servers."""
