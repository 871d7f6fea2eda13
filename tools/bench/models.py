"""The PyTorch modules the speed benchmarks run: LeNet-5, the zoo's CifarNet, ResNet-18 and VGG-16.

Each module names its tensors the way the same declaration in samples/Zoo/Networks.cs does (LeNet-5 and
CifarNet: layers with weights numbered per kind in declaration order; ResNet-18: torchvision's keys, which the
zoo declares with Tensor/TensorPrefix), so its state_dict loads into the generated class with SafeTensors.Load. Shared by export_models.py and pytorch_bench.py.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet5(nn.Module):
    """1x32x32 -> conv1 5x5 (6) -> ReLU -> max 2 -> conv2 5x5 (16) -> ReLU -> max 2
    -> flatten 400 -> fc1 120 -> ReLU -> fc2 84 -> ReLU -> fc3 10 -> softmax."""

    input_shape = (1, 32, 32)

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def logits(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)

    def forward(self, x):
        return F.softmax(self.logits(x), dim=1)


class CifarNet(nn.Module):
    """Seed 002's [[CONV -> RELU]*2 -> POOL]*3 -> [FC -> RELU]*2 -> FC on 3x32x32: 3x3 'same' convolutions
    (32, 32, 64, 64, 128, 128), max 2 after each pair, fc 2048 -> 512 -> 256 -> 10, softmax."""

    input_shape = (3, 32, 32)

    def __init__(self):
        super().__init__()
        widths = [3, 32, 32, 64, 64, 128, 128]
        for i in range(6):
            setattr(self, "conv%d" % (i + 1), nn.Conv2d(widths[i], widths[i + 1], 3, padding=1))
        self.fc1 = nn.Linear(2048, 512)
        self.fc2 = nn.Linear(512, 256)
        self.fc3 = nn.Linear(256, 10)

    def logits(self, x):
        for pair in range(3):
            x = F.relu(getattr(self, "conv%d" % (2 * pair + 1))(x))
            x = F.relu(getattr(self, "conv%d" % (2 * pair + 2))(x))
            x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)

    def forward(self, x):
        return F.softmax(self.logits(x), dim=1)


class Block(nn.Module):
    """torchvision's BasicBlock with its attribute names (conv1, bn1, conv2, bn2, downsample.0/.1)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (self.downsample(x) if self.downsample is not None else x))


class ResNet18(nn.Module):
    """torchvision's ResNet-18 (11,689,512 parameters) with torchvision's state_dict keys (conv1, bn1,
    layer1.0.conv1 … layer4.1.bn2, layerN.0.downsample.0/.1, fc), which samples/Zoo's ResNet18 declares with
    Tensor/TensorPrefix; softmax. Written out so that torchvision is not needed to run the benchmarks."""

    input_shape = (3, 224, 224)

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        cin = 64
        for i, (cout, stride) in enumerate([(64, 1), (128, 2), (256, 2), (512, 2)], start=1):
            setattr(self, "layer%d" % i, nn.Sequential(Block(cin, cout, stride), Block(cout, cout, 1)))
            cin = cout
        self.fc = nn.Linear(512, 1000)

    def logits(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, stride=2, padding=1)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    def forward(self, x):
        return F.softmax(self.logits(x), dim=1)


class Vgg16(nn.Module):
    """torchvision's VGG-16 (configuration D, 138,357,544 parameters) with torchvision's state_dict keys
    (features.0 … features.28, classifier.0/.3/.6), which samples/Zoo's Vgg16 declares with Tensor: thirteen 3x3
    'same' convolutions with ReLU, max 2 after each stage, fc 25088 -> 4096 -> 4096 -> 1000, softmax (no adaptive
    pool: at 224x224 the features are already 7x7, where torchvision's AdaptiveAvgPool2d(7) is the identity)."""

    input_shape = (3, 224, 224)
    stages = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]]

    def __init__(self):
        super().__init__()
        layers, cin = [], 3
        for stage in self.stages:
            for cout in stage:
                layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True)]
                cin = cout
            layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(4096, 1000))

    def logits(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))

    def forward(self, x):
        return F.softmax(self.logits(x), dim=1)


# name -> (class, seed, committed): the small LeNet-5 files are committed, the others are written to a
# gitignored place (CifarNet 5.9 MB, ResNet-18 46.8 MB, VGG-16 553 MB per file).
MODELS = {
    "lenet5": (LeNet5, 5, True),
    "cifarnet": (CifarNet, 6, False),
    "resnet18": (ResNet18, 7, False),
    "vgg16": (Vgg16, 8, False),
}
