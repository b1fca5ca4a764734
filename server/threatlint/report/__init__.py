"""`threatlint report`: the risk register and data-flow diagram for people who never open the YAML.

register.py and mermaid.py turn a Model into data and diagram text (pure);
render_md.py and render_html.py format them; document.py ties one model's
text, findings and "today" together.
"""
