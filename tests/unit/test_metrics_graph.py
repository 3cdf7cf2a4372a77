"""The report's own graph arithmetic agrees with networkx's on random graphs."""
import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timebank.metrics.networks import average_clustering

edges = st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)), max_size=60)


@settings(max_examples=200, deadline=None)
@given(edges=edges, isolated=st.integers(0, 3))
def test_average_clustering_equals_networkx(edges, isolated):
    graph = nx.Graph()
    graph.add_nodes_from(range(100, 100 + isolated))  # members with no partner count as 0
    graph.add_edges_from((a, b) for a, b in edges if a != b)
    assert average_clustering(graph) == pytest.approx(nx.average_clustering(graph) if graph else 0.0)


def test_a_triangle_and_a_tail():
    # a-b-c form a triangle, d hangs off c: a and b have 1, c has 1/3, d has 0 -> (1 + 1 + 1/3) / 4.
    graph = nx.Graph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])
    assert average_clustering(graph) == pytest.approx((1 + 1 + 1 / 3) / 4)
