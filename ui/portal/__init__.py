"""The Streamlit portal: login, chat with page references, the admin page."""
