"""Streamlit entry point: `pagewise ui` runs `streamlit run ui/app.py`."""

from ui.portal import main

main()
