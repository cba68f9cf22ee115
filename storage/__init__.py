"""Block stores, DAG walks and transfers, import of files into stores and export back out.

Generic block machinery only: nothing here knows what a Cairn record means.
"""
