"""visavis: open, self-hosted real-time conversational video agents."""

__version__ = "0.1.0"
