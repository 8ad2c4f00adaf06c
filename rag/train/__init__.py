"""Training and fitting: the reader model (reader.py, its data in reader_data.py)."""
