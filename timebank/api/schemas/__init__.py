"""Marshmallow schemas of the API: load schemas turn a request into plain data for a service;
dump schemas shape responses. No schema touches an ORM row's columns directly on load."""
