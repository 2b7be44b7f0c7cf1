"""Identity review: the queue, decisions and unmerge, by API and page, and who may."""
