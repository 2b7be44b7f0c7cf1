"""Children: search, a child's record and timeline, by API and page, through one read path."""
