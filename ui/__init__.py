"""The Streamlit portal: login, chat with page references, the cited page, administration."""
