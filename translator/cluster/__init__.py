"""What a cluster holds: the cluster file's model and loader (model), Kubernetes objects as kubectl prints them
(kubeobjects), and which IP ranges may hold pods, nodes and Service addresses (ranges)."""
