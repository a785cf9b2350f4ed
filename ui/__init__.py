"""The Streamlit portal (issue 4)."""
