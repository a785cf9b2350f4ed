"""Streamlit entry point: `pagewise ui` runs `streamlit run ui/portal/app.py`."""

from ui.portal.frame import main

main()
