"""The WordPress (WXR) import."""
