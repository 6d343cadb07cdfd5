"""The Hugging Face Hub API and datasets: the connector, the datasets' parquet layouts, its assets."""
